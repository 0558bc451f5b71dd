/* fuzz_image: one file of a training folder through data_folder_decode_image, the code
 * every image of a user's folder meets: the header's declared size, the format, the
 * decoders (GdkPixbuf's loaders: libpng, libjpeg, libtiff, libwebp, GIF, BMP, and SVG,
 * which is refused), the completeness checks, the conversion and the resize. The input's
 * length picks the resize mode. Seeds: fuzz/corpus/fuzz_image/ (fuzz_make_seeds). */
#include "data_folder_private.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    DataFolderOptions options = data_folder_options_default();
    options.size = 16;
    options.resize = (DataResizeMode) (size % 3);
    guint8 pixels[16 * 16 * 3];
    g_free(data_folder_decode_image(fuzz_file(data, size), &options, pixels));
    return 0;
}
