import pytest

# Detailed assertion messages from the shared comparison helpers.
pytest.register_assert_rewrite("jsoncheck")
