"""Fuzz through the real service and model: never a 500, never silence."""
import httpx
import pytest

from tests.fuzz import messages

pytestmark = pytest.mark.model

SERVICE_FUZZ_COUNT = 300


def test_fuzzed_messages_through_the_real_assistant(service_url):
    url = f"{service_url}/webhooks/rest/webhook"
    statuses = {}
    with httpx.Client(timeout=60) as client:
        for i, text in enumerate(messages(SERVICE_FUZZ_COUNT, seed=11)):
            response = client.post(url, json={"sender": f"fuzz-{i}", "message": text})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code == 200, (response.status_code, text[:40])
            replies = response.json()
            assert replies, f"silence for {text[:40]!r}"
            assert all("Traceback" not in (r.get("text") or "") for r in replies)
    assert statuses == {200: SERVICE_FUZZ_COUNT}
