"""Channel adapters: each turns a channel's protocol into the hub's Inbound/Outbound model."""
