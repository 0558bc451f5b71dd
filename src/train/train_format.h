/* train_format: the one place where LR Lab turns numbers into text for people: values in
 * config.ini and history.csv (the shortest text that reads back exactly), learning rates
 * the way people write them ("3e-4"), and durations ("1:02:03"). The app, lrlab-train and
 * the run records all call these, so a rate or a time reads the same everywhere. */
#pragma once
#include <glib.h>

/* The shortest C-locale text that reads back (g_ascii_strtod) as exactly value, like
 * Python's repr: "0.9", not "0.90000000000000002". buf has G_ASCII_DTOSTR_BUF_SIZE bytes. */
const char *train_format_double(char *buf, double value);

/* The same for a float (augmentation strengths): "0.3", not the double's "0.30000001". */
const char *train_format_float(char *buf, float value);

/* A learning rate the way people write it, three significant digits: "1e-3", "3e-4",
 * "2.5e-3"; 9.9996e-4 is "1e-3", never "10e-4". Newly allocated. */
char *train_format_lr(double lr);

/* The same rate with printf's two-digit exponent, "1e-03", "2.5e-03": lrlab-train's run
 * folder names (lr_1e-03), which sort by exponent in a file manager. Newly allocated. */
char *train_format_lr_padded(double lr);

/* A measured ratio (a layer's update size over its weights' size) in the rates' style with
 * two significant digits: "3.3e-3", "1.5e-2", "1e-3". Newly allocated. */
char *train_format_ratio(double ratio);

/* Seconds as "0:59", "3:05", "1:02:03" (rounded to the second); "?" when unknown
 * (negative or not finite). Newly allocated. */
char *train_format_duration(double seconds);
