# A file that defines no Robyn app.
x = 1
