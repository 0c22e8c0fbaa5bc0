"""The local stack's keys (`secrets.json` under PROFSET_DATA) and which process is told which: one key, one holder."""

from __future__ import annotations

import json
from pathlib import Path

SEALING = ("registry", "contacts", "appeals")
"""The services that seal personal data, each with a key-encryption key of its own."""

OWN = {
    "gateway": {"GATEWAY_TOKEN_PRIVATE_KEY": "TOKEN_PRIVATE_KEY"},
    "notifications": {"NOTIFICATIONS_SERVICE_PRIVATE_KEY": "NOTIFICATIONS_SERVICE_PRIVATE_KEY"},
    **{name: {f"{name.upper()}_MASTER_KEY": f"{name.upper()}_MASTER_KEY"} for name in SEALING},
}
"""Per process, the secrets only it is given (its setting: the key in `secrets.json`)."""


def secrets(folder: Path) -> dict[str, str]:
    """The stack's keys, generated on first start and kept beside the data (mode 600); a key added since (an older
    stack's data) is generated then and kept too."""
    path = folder / "secrets.json"
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    keys = _filled(known)
    if keys != known:
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    return keys


def _filled(known: dict[str, str]) -> dict[str, str]:
    from kit.crypto import generate_master_key
    from kit.tokens import generate_keypair

    keys = dict(known)
    if "TOKEN_PRIVATE_KEY" not in keys:
        keys["TOKEN_PRIVATE_KEY"], keys["TOKEN_PUBLIC_KEY"] = generate_keypair()
    if "NOTIFICATIONS_SERVICE_PRIVATE_KEY" not in keys:
        keys["NOTIFICATIONS_SERVICE_PRIVATE_KEY"], keys["NOTIFICATIONS_SERVICE_PUBLIC_KEY"] = generate_keypair()
    # an older stack's one shared key: what it sealed stays sealed with it, so each sealing service takes it over
    shared = keys.pop("MASTER_KEY", None)
    for name in SEALING:
        keys.setdefault(f"{name.upper()}_MASTER_KEY", shared or generate_master_key())
    return keys


def shared_environment(keys: dict[str, str]) -> dict[str, str]:
    """What every process is told: only the keys that verify."""
    return {
        "TOKEN_PUBLIC_KEY": keys["TOKEN_PUBLIC_KEY"],
        "SERVICE_PUBLIC_KEYS": json.dumps({"notifications": keys["NOTIFICATIONS_SERVICE_PUBLIC_KEY"]}),
    }


def own_environment(name: str, keys: dict[str, str]) -> dict[str, str]:
    """The secrets the process `name` alone holds."""
    return {setting: keys[key] for setting, key in OWN.get(name, {}).items()}
