"""The replica sites' loopback server (tests, `demo`, benchmarks): the server itself, its fault mode
(429s, resets, truncated or oversized bodies) and its trap mode (a site endless to a crawler)."""
