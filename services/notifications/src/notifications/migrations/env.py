from kit.migrate import run_env
from notifications.tables import metadata

run_env(metadata)
