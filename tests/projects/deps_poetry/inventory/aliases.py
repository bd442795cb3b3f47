# PEP 695 type aliases: Python 3.12 syntax, read on 3.11 by the version-independent parser.
type Row = dict[str, int]
type Rows = list[Row]
