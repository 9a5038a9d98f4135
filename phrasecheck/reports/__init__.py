"""What people read: terminal explanations and tables, JSON/JSONL, CSV, SARIF and the QA report."""
