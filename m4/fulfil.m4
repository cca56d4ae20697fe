dnl FULFIL_ARG_YESNO(NAME, VALUE): refuse option values other than yes/no.
AC_DEFUN([FULFIL_ARG_YESNO], [
  AS_CASE([$2], [yes|no], [enable_$1=$2],
    [AC_MSG_ERROR([bad value '$2' for --enable-$1 (use yes or no)])])])

dnl FULFIL_CHECK_CFLAG(FLAGS, [IF-OK], [IF-NOT]): does the compiler take FLAGS?
AC_DEFUN([FULFIL_CHECK_CFLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  fulfil_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -Werror $1"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); CFLAGS=$fulfil_save_CFLAGS; $2],
    [AC_MSG_RESULT([no]); CFLAGS=$fulfil_save_CFLAGS; $3])])

dnl FULFIL_CHECK_LDFLAG(FLAGS, [IF-OK], [IF-NOT]): does the linker take FLAGS?
AC_DEFUN([FULFIL_CHECK_LDFLAG], [
  AC_MSG_CHECKING([whether the linker accepts $1])
  fulfil_save_LDFLAGS=$LDFLAGS
  LDFLAGS="$LDFLAGS $1"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); LDFLAGS=$fulfil_save_LDFLAGS; $2],
    [AC_MSG_RESULT([no]); LDFLAGS=$fulfil_save_LDFLAGS; $3])])
