/* fuzz_config: config.ini (train_config_load_data), the file a person edits. What loads
 * must be written back (train_config_to_data) as a file that loads to the same settings,
 * field by field: a run's --config repeats it. Seeds: fuzz/corpus/fuzz_config/. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "train_config.h"
#include "train_fields.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = g_strndup((const char *) data, size);
    TrainConfig config, again;
    if (train_config_load_data(&config, text, "fuzz", NULL)) {
        char *written = train_config_to_data(&config);
        if (!train_config_load_data(&again, written, "written", NULL))
            abort();
        guint n;
        const TrainField *fields = train_fields(&n);
        for (guint i = 0; i < n; i++) {
            /* A relative file name that is not UTF-8 is written as an absolute URI. */
            const char *name = fields[i].filename ? G_STRUCT_MEMBER(char *, &config,
                                                                    fields[i].offset) : NULL;
            gboolean made_absolute = name != NULL && !g_path_is_absolute(name) &&
                                     !g_utf8_validate(name, -1, NULL);
            if (!made_absolute && !train_field_equal(&fields[i], &config, &again))
                abort();
        }
        train_config_clear(&again);
        g_free(written);
    }
    train_config_clear(&config);
    g_free(text);
    return 0;
}
