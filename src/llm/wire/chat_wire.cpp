#include "chat_wire.hpp"
