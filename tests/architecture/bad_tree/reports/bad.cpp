// reports/ reaching into the engine: forbidden.
#include "loadgen/engine/worker.h"
