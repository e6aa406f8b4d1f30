"""Test helpers: a fault-injecting HTTP server, generated feeds and audio."""
