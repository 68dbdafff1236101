"""The pipeline and its steps: decode → place → classify and route (rules) → store → fan out."""
