"""Socket.io: the server, the console namespace and the publisher of live events."""
