"""Browser tests (real Chromium) and the demo stack the web tests share."""
