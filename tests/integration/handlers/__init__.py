"""Python FC handlers used by the integration tests (bound in each test's project config)."""
