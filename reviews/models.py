# Ratings, reviews, watchlist and watches arrive with issues 4 and 5 (see DESIGN.md).
