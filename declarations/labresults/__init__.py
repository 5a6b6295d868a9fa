"""Test results from labs (seed 004): entered by lab staff, uploaded as CSV or sent by the
lab's own system over the token API; a positive result opens the F0 case and home care;
the citizen holds a signed result that counts the same as paper."""
