"""Google Search Console: search clicks and impressions per page from the performance report export."""
