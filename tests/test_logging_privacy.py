"""Rasa's structlog errors reach the log without the conversation in them."""
from __future__ import annotations

import logging

import structlog

from bot.service import _payload_interpolation_noise, configure_logging


def _raise_with_slots(values):
    raise KeyError("placeholder")


def test_structlog_errors_have_no_locals_and_no_texts(caplog):
    configure_logging(logging.INFO)
    log = structlog.get_logger("rasa.core.nlg.interpolator")
    slots = {"buurt": "Malberg", "handoff_reason": "mijn buurvrouw is ziek"}
    with caplog.at_level(logging.INFO):
        try:
            _raise_with_slots(slots)
        except KeyError:
            log.exception("interpolator.interpolate.text", response="Hallo {name}",
                           values=slots, text="ik woon in Malberg")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "interpolator.interpolate.text" in logged and "KeyError" in logged
    assert "Malberg" not in logged and "buurvrouw" not in logged
    assert "\"locals\": {" not in logged and "weggelaten" in logged


def test_the_payload_interpolation_error_is_dropped_and_real_ones_kept():
    def record(message):
        return logging.LogRecord("rasa.core.nlg.interpolator", logging.ERROR, __file__, 1,
                                 message, None, None)

    payload = '{"response": "/inform_handoff{\\"handoff_choice\\": \\"chat\\"}", "event": "x"}'
    assert not _payload_interpolation_noise(record(payload))
    assert _payload_interpolation_noise(record('{"response": "Hallo {naam}", "event": "x"}'))
