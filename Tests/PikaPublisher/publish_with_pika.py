"""Publishes CloudEvents documents as a publisher written in Python would: with pika, straight
onto an exchange, the routing key being the document's type and the AMQP properties mirroring
the envelope (README.md, "Messages"). Publisher confirms are on, and a message is mandatory, so
a nack or a message no queue takes fails the run.

usage: publish_with_pika.py AMQP_URL EXCHANGE < documents   (one JSON document per line)
"""
import json
import sys

import pika


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    url, exchange = sys.argv[1], sys.argv[2]
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    published = 0
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        document = json.loads(line)
        properties = pika.BasicProperties(
            content_type="application/cloudevents+json",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=document["id"],
            type=document["type"],
            correlation_id=document.get("correlationid"),
            app_id=document.get("source"),
        )
        # Raises UnroutableError or NackError when the broker does not take it.
        channel.basic_publish(exchange, document["type"], line.encode(), properties, mandatory=True)
        published += 1
    connection.close()
    print(published)
    return 0


if __name__ == "__main__":
    sys.exit(main())
