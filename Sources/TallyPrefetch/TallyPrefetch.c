// The module is its header (`include/TallyPrefetch.h`); a C target needs one source.
#include "TallyPrefetch.h"
