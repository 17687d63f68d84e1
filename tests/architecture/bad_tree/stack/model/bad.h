// The stack model may not include the rest of the stack.
#pragma once
#include "stack/haproxy_api.h"
