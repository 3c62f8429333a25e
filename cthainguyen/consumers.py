"""WebSocket consumers: one socket per tab, carrying the topics its page shows.

A page opens /ws/live/ and sends ``{"type": "subscribe", "topic": ..., ...}`` for
each thing it shows live: ``me`` (the signed-in person's inbox count and own
reports), ``report`` (one report's page) and ``queue`` (an officer's queue). Each
topic is checked by a resolver that runs the same access rules as the pages, and
answers ``subscribed`` or ``refused``; group messages then arrive as JSON. The page
sends ``{"type": "ping"}`` now and then and gets ``{"type": "pong"}``.

The single-topic sockets (/ws/me/, /ws/reports/<code>/, /ws/staff/queue/) are the
same consumer bound to one topic by its URL, refused at the handshake when the
topic is not allowed.

Origin is checked and the session authenticates the socket before any of this
(cthainguyen/asgi.py).
"""

import json
from dataclasses import dataclass, field

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cthainguyen import live

# A page needs three or four topics; more from one socket is abuse.
MAX_TOPICS = 16
MAX_MESSAGE_CHARS = 2048
# Close code for a handshake refused by the topic's access rules.
REFUSED = 4403


@dataclass
class Subscription:
    """What a resolver grants: a key for the topic, its groups, and a greeting."""

    key: str
    groups: tuple
    # Sent to the socket right after it joins (a current count, a catch-up).
    messages: list = field(default_factory=list)


def me_topic(user, params):
    """The signed-in person's private group: never anybody else's."""
    if not (user.is_authenticated and user.is_active):
        return None
    return Subscription(
        key="me",
        groups=(live.user_group(user.pk),),
        messages=[live.inbox_message(user.pk)],
    )


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """The multiplexed socket. Subclasses add topics: {name: resolver(user, params)}.

    A resolver runs in a thread with database access and returns a Subscription,
    or None to refuse.
    """

    topics = {"me": me_topic}

    async def connect(self):
        self.memberships = {}
        await self.accept()

    async def dispatch(self, message):
        # Channels closes stale database connections before every message, a hop to
        # the database thread each time: fanning one change out to thousands of
        # sockets spent most of its time there (docs/performance.md). This consumer
        # reaches the database only through database_sync_to_async, which closes
        # them itself, so the hop is skipped.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code):
        for key in list(getattr(self, "memberships", {})):
            await self._leave(key)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None or len(text_data) > MAX_MESSAGE_CHARS:
            await self.close(code=1009)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        if isinstance(content, dict):
            await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "subscribe":
            await self.subscribe(content)
        elif kind == "unsubscribe":
            key = content.get("key")
            if isinstance(key, str) and key in self.memberships:
                await self._leave(key)

    async def subscribe(self, content):
        topic = content.get("topic")
        ref = content.get("ref")
        reply = {"topic": topic}
        if isinstance(ref, str | int) and len(str(ref)) <= 64:
            reply["ref"] = ref
        subscription = None
        if isinstance(topic, str) and len(self.memberships) < MAX_TOPICS:
            subscription = await self.resolve(topic, content)
        if subscription is None:
            await self.send_json({"type": "refused", **reply})
            return None
        await self._join(subscription)
        await self.send_json({"type": "subscribed", "key": subscription.key, **reply})
        for message in subscription.messages:
            await self.send_json(message)
        return subscription

    async def resolve(self, topic, params):
        resolver = self.topics.get(topic)
        if resolver is None:
            return None
        return await database_sync_to_async(resolver)(self.scope["user"], params)

    async def _join(self, subscription):
        if subscription.key in self.memberships:
            return
        for group in subscription.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.memberships[subscription.key] = tuple(subscription.groups)

    async def _leave(self, key):
        groups = self.memberships.pop(key, ())
        still_used = {group for kept in self.memberships.values() for group in kept}
        for group in groups:
            if group not in still_used:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def live_message(self, event):
        """A group message from cthainguyen.live: forward its JSON text as it is."""
        await self.send(text_data=event["text"])


class TopicConsumer(LiveConsumer):
    """A socket bound to one topic by its URL, refused at the handshake if not allowed.

    Bound sockets only answer pings: their topic is fixed.
    """

    topic = None

    def topic_params(self):
        return dict(self.scope["url_route"]["kwargs"])

    async def connect(self):
        self.memberships = {}
        subscription = await self.resolve(self.topic, self.topic_params())
        if subscription is None:
            await self.close(code=REFUSED)
            return
        await self.accept()
        await self._join(subscription)
        for message in subscription.messages:
            await self.send_json(message)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})


class MeConsumer(TopicConsumer):
    """/ws/me/: the signed-in person's inbox count and their own reports."""

    topic = "me"
