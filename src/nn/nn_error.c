/* nn_error: fills the engine's error record. Kept tiny on purpose: every fallible call
 * ends in `return nn_error_set(err, CODE, "a sentence a user can read", ...)`. */
#include "nn_error.h"

#include <stdarg.h>
#include <stdio.h>

nn_status nn_error_set(nn_error *err, nn_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void nn_error_clear(nn_error *err)
{
    if (err) {
        err->code = NN_OK;
        err->message[0] = '\0';
    }
}
