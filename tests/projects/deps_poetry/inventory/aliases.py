# PEP 695 type aliases: Python 3.12 syntax, which a 3.11 interpreter cannot parse.
type Row = dict[str, int]
type Rows = list[Row]
