"""`profset import`: load an existing union from CSV files, every row validated before anything is written."""
