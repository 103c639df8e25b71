"""The live-events socket: authorise in connect(), join only the user's scoped groups, forward events."""
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from agencies.scoping import scope_for


class EventsConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        scope = await database_sync_to_async(scope_for)(user)
        if scope.is_empty:
            await self.close(code=4403)
            return
        self.groups_joined = scope.group_names()
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def timeline_event(self, message):
        await self.send(text_data=json.dumps(message["event"]))
