# One date style in English: months written in full. Django's own "N j, Y" is AP style,
# which shortens some months and not others ("Dec. 1, 2026" beside "April 25, 2025").
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, g:i a"
MONTH_DAY_FORMAT = "F j"
YEAR_MONTH_FORMAT = "F Y"
