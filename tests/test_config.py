from pathlib import Path

from ontmoet_core.config import ENV_VARS, Settings, load_settings


def test_defaults_are_local_and_need_no_credentials():
    settings = load_settings({})
    assert settings.host == "127.0.0.1"
    assert settings.database_url_resolved.startswith("sqlite:///")
    assert settings.tracker_store_url_resolved.startswith("sqlite:///")
    assert settings.demo_data is True
    assert settings.rasa_api_token == ""


def test_environment_values_are_typed():
    settings = load_settings({
        "ONTMOET_PORT": "6000",
        "ONTMOET_DEMO_DATA": "false",
        "ONTMOET_VAR_DIR": "/tmp/x",
        "ONTMOET_HANDOFF_ESCALATE_AFTER_HOURS": "1.5",
    })
    assert settings.port == 6000
    assert settings.demo_data is False
    assert settings.var_dir == Path("/tmp/x")
    assert settings.handoff_escalate_after_hours == 1.5


def test_every_variable_maps_to_a_setting_and_is_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    fields = set(Settings.__dataclass_fields__)
    for var, name in ENV_VARS.items():
        assert name in fields
        assert f"`{var}`" in readme, f"{var} missing from the README configuration table"


def test_pseudonym_key_file_is_created_once(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path)})
    key = settings.pseudonym_key_bytes()
    assert len(key) == 64
    assert settings.pseudonym_key_bytes() == key
    assert oct((tmp_path / "pseudonym.key").stat().st_mode)[-3:] == "600"
