"""Telegram for residents (python-telegram-bot 22), split by concern:

* `parse`: Bot API updates in, and the webhook's secret-token check (pure);
* `format`: Rasa's bot messages out as Bot API calls (pure);
* `client`: the rate limiter for PTB's ExtBot and the token filter for HTTP logs;
* `channel`: `TelegramInput` / `TelegramOutput` on Rasa's Sanic server, the
  staff-command hook; a resident's message goes through bot/channels/pipeline.py.
"""
