"""ANSI/NIST-ITL traditional encoding and the EBTS transactions (issue 4)."""
