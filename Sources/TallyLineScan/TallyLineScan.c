// The module is its header (`include/TallyLineScan.h`); a C target needs one source.
#include "TallyLineScan.h"
