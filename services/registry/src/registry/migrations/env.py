from kit.migrate import run_env
from registry.tables import metadata

run_env(metadata)
