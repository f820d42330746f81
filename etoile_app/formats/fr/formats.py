# French writes the first day of a month as an ordinal, "1er décembre 2026": Django's format
# strings cannot say so, kernel.dates adds it to these for day 1.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y à H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
