/*
 * i18n: gettext shorthands. Every user-visible string goes through _()
 * (or N_() in static tables, translated where it is shown).
 */
#ifndef FULFIL_I18N_H
#define FULFIL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/*
 * setlocale(LC_ALL, "") and bind the text domain (to $FULFIL_LOCALEDIR
 * when it is an absolute path and the start is not setuid, else to
 * LOCALEDIR); programs call it first.
 */
void i18n_init(void);

/*
 * Show messages in lang ("pl", "es", "en") from now on: a person's
 * language, right after login. Sets LANGUAGE, and LC_MESSAGES to C.UTF-8
 * when it was C or POSIX (gettext ignores LANGUAGE there). NULL or ""
 * is i18n_use_station_language(). 0, or -1 for a malformed code or no
 * usable locale (messages then stay as they were).
 */
int i18n_use_language(const char *lang);

/* Back to the language of the environment at i18n_init (at logout). */
int i18n_use_station_language(void);

#endif
