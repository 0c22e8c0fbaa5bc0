from kit.migrate import run_env
from kpi.tables import metadata

run_env(metadata)
