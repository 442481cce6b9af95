"""Google Analytics 4: page traffic from runReport responses and CSV downloads."""
