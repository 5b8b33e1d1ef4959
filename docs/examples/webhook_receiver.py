"""A khuyenhoc webhook receiver: verifies each delivery with the Standard
Webhooks library (pip install standardwebhooks), skips repeats, answers 204.

    WEBHOOK_SECRET=whsec_... PORT=8000 python3 webhook_receiver.py
"""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

webhook = Webhook(os.environ["WEBHOOK_SECRET"])
seen = set()  # keep this in your database: at least once means a repeat can come


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            event = webhook.verify(body, dict(self.headers))
        except WebhookVerificationError:
            self.send_response(401)  # not from khuyenhoc, or too old: it is not retried as it is
        else:
            if self.headers["webhook-id"] not in seen:  # the same for every attempt at one event
                seen.add(self.headers["webhook-id"])
                data = event["data"]  # seq, type, op, id, version, changed_at, record
                print(json.dumps({"type": event["type"], "seq": data["seq"], "id": data["id"]}), flush=True)
            self.send_response(204)  # 2xx within 10 s: delivered, the next event follows
        self.send_header("Content-Length", "0")
        self.end_headers()


ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Receiver).serve_forever()
