// A core header that reaches for libuv: forbidden.
#pragma once
#include <uv.h>
