/*
 * i18n: gettext shorthands. Every user-visible string goes through _()
 * (or N_() in static tables, translated where it is shown).
 */
#ifndef FULFIL_I18N_H
#define FULFIL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* setlocale(LC_ALL, "") and bind the text domain; programs call it first. */
void i18n_init(void);

#endif
