/* nn_error: fills the engine's error record. Kept tiny on purpose: every fallible call
 * ends in `return nn_error_set(err, CODE, "a sentence a user can read", ...)`. */
#include "nn_error.h"

#include <stdarg.h>
#include <stdio.h>

static nn_translator translator;

void nn_error_set_translator(nn_translator translate)
{
    translator = translate;
}

nn_status nn_error_set(nn_error *err, nn_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        /* The literal was checked against the arguments at compile time (the format
         * attribute); a translation is checked against it by msgfmt -c. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        vsnprintf(err->message, sizeof err->message, translator ? translator(fmt) : fmt, ap);
#pragma GCC diagnostic pop
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
