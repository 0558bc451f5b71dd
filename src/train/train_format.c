/* train_format: numbers, learning rates and durations as text (see train_format.h). */
#include "train_format.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* The fewest significant digits whose text reads back as value (as a float when
 * as_float): 17 digits always do for a double, 9 for a float. A whole number is written
 * whole ("10000", not %g's "1e+04"), as a person writes a divisor or a count. */
static const char *
format_shortest(char *buf, double value, gboolean as_float)
{
    int max_digits = as_float ? 9 : 17;
    /* If any k <= 15 digits (6 for a float) read back as value, %.15g (%.6g) prints those
     * very digits: value is within half an ulp of them, far less than half a unit of the
     * 15th (6th) digit, and %g drops the trailing zeros. So the search starts there, not
     * at 1: three tries at most instead of up to seventeen (history.csv formats every
     * number of a run at every epoch). Subnormals carry fewer digits: from 1 for them. */
    double smallest_normal = as_float ? FLT_MIN : DBL_MIN;
    int first = fabs(value) < smallest_normal ? 1 : as_float ? 6 : 15;

    for (int digits = first; digits <= max_digits; digits++) {
        char format[8];
        g_snprintf(format, sizeof format, "%%.%dg", digits);
        g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, format, value);
        double back = g_ascii_strtod(buf, NULL);
        if (!isfinite(value) || (as_float ? (float) back == (float) value : back == value))
            break;
    }
    if (isfinite(value) && value == floor(value) && fabs(value) < 1e15 && strchr(buf, 'e'))
        g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, "%.0f", value);
    return buf;
}

const char *train_format_double(char *buf, double value)
{
    g_return_val_if_fail(buf != NULL, NULL);
    return format_shortest(buf, value, FALSE);
}

const char *train_format_float(char *buf, float value)
{
    g_return_val_if_fail(buf != NULL, NULL);
    return format_shortest(buf, value, TRUE);
}

/* value = mantissa x 10^exponent, the mantissa written with digits significant digits in
 * [1, 10). The carry is decided on the text, not the number: 9.9996 prints as "10", so
 * it must become 1 of the next power; log10's last-bit error cannot leak either. */
static int
split_mantissa(double value, int digits, char mantissa[G_ASCII_DTOSTR_BUF_SIZE])
{
    int exponent = (int) floor(log10(value));
    char format[8];

    /* g_ascii_formatd takes no "%.*g": the precision is written into the format. */
    g_snprintf(format, sizeof format, "%%.%dg", CLAMP(digits, 1, 9));

    for (int tries = 0; tries < 2; tries++) {
        g_ascii_formatd(mantissa, G_ASCII_DTOSTR_BUF_SIZE, format, value / pow(10, exponent));
        double written = g_ascii_strtod(mantissa, NULL);
        if (written >= 10)
            exponent++;
        else if (written < 1)
            exponent--;
        else
            break;
    }
    return exponent;
}

/* "3e-4" with digits significant digits; "%g" for what is no positive number. */
static char *
format_scientific(double value, int digits)
{
    char mantissa[G_ASCII_DTOSTR_BUF_SIZE];

    if (!(value > 0) || !isfinite(value))
        return g_strdup_printf("%g", value);
    int exponent = split_mantissa(value, digits, mantissa);
    return g_strdup_printf("%se%d", mantissa, exponent);
}

char *train_format_lr(double lr)
{
    return format_scientific(lr, 3);
}

char *train_format_lr_padded(double lr)
{
    char mantissa[G_ASCII_DTOSTR_BUF_SIZE];

    if (!(lr > 0) || !isfinite(lr))
        return g_strdup_printf("%g", lr);
    int exponent = split_mantissa(lr, 3, mantissa);
    return g_strdup_printf("%se%c%02d", mantissa, exponent < 0 ? '-' : '+', ABS(exponent));
}

char *train_format_ratio(double ratio)
{
    return format_scientific(ratio, 2);
}

char *train_format_duration(double seconds)
{
    if (!(seconds >= 0) || !isfinite(seconds))
        return g_strdup("?");
    long s = lround(seconds);
    if (s >= 3600)
        return g_strdup_printf("%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    return g_strdup_printf("%ld:%02ld", s / 60, s % 60);
}
