#!/usr/bin/env python3
"""Parses one mail (RFC 5322 / MIME) from stdin with Python's own email
package, an implementation independent of ems's mailer, and prints it as
JSON: decoded headers, the text and HTML parts, the attachments."""
import json
import sys
from email import policy
from email.parser import BytesParser

msg = BytesParser(policy=policy.default).parse(sys.stdin.buffer)
out = {
    "defects": [type(d).__name__ for d in msg.defects],
    "subject": str(msg["subject"]),
    "from": str(msg["from"]),
    "to": str(msg["to"]),
    "message_id": str(msg["message-id"]),
    "list_unsubscribe": str(msg["list-unsubscribe"]) if msg["list-unsubscribe"] else None,
    "content_type": msg.get_content_type(),
    "text": None,
    "html": None,
    "attachments": [],
}
for part in msg.walk():
    out["defects"] += [type(d).__name__ for d in part.defects]
    if part.is_multipart():
        continue
    if part.get_content_disposition() == "attachment":
        out["attachments"].append({
            "filename": part.get_filename(),
            "type": part.get_content_type(),
            "data": part.get_content() if part.get_content_maintype() == "text"
            else part.get_payload(decode=True).decode("latin-1"),
        })
    elif part.get_content_type() == "text/plain" and out["text"] is None:
        out["text"] = part.get_content()
    elif part.get_content_type() == "text/html" and out["html"] is None:
        out["html"] = part.get_content()
json.dump(out, sys.stdout)
