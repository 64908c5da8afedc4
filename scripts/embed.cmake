# embed.cmake - a file's bytes as a C array, for the catalogues msgfmt
# compiles from po/*.po (CMakeLists.txt):
#   cmake -DIN=ro.mo -DOUT=messages_ro.c -DNAME=desk_messages_ro -DLANG=ro -P embed.cmake
# defines `const garant_msgcat NAME` (garant/error_wrap.h) over the bytes.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR bytes "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT}
  "/* Generated from ${IN} by scripts/embed.cmake: do not edit. */\n"
  "#include \"garant/error_wrap.h\"\n"
  "static const unsigned char mo[${bytes}] = {${body}};\n"
  "extern const garant_msgcat ${NAME};\n"
  "const garant_msgcat ${NAME} = {\"${LANG}\", mo, sizeof mo};\n")
