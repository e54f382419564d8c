"""HTTP entry points: thin handlers over the hub's services."""
