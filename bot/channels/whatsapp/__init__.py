"""WhatsApp for residents (Cloud API), split by concern:

* `parse`: webhook bodies in, the subscription and signature checks (pure);
* `format`: Rasa's bot messages out as Graph API message objects (pure);
* `client`: `GraphClient` (retry, back-off, pair rate limit) and the 24-hour window;
* `channel`: `WhatsAppInput` / `WhatsAppOutput` on Rasa's Sanic server; a
  resident's message goes through bot/channels/pipeline.py.
"""
