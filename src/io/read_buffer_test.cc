#include "io/read_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

namespace keysweep {
namespace {

TEST(ReadBuffer, HoldsWhatWasAskedForAndKeepsItsRoomForSmallerReads) {
  ReadBuffer buf;
  char* a = buf.room_for(100);
  ASSERT_NE(a, nullptr);
  std::memset(a, 'x', 100);  // all 100 bytes are writable (ASan checks the bounds)
  EXPECT_GE(buf.capacity(), 100u);
  // A smaller read reuses the same block: no allocation per file.
  EXPECT_EQ(buf.room_for(10), a);
  EXPECT_EQ(buf.room_for(100), a);
}

TEST(ReadBuffer, GrowsAtLeastTwofoldSoSteadilyLargerFilesReallocateRarely) {
  ReadBuffer buf;
  buf.room_for(1000);
  buf.room_for(1001);
  EXPECT_GE(buf.capacity(), 2000u);
  // Files a byte larger each time: a few blocks, not one per file.
  size_t growths = 0, capacity = buf.capacity();
  for (size_t n = 2000; n < 64000; n += 1) {
    char* p = buf.room_for(n);
    p[n - 1] = 'y';
    if (buf.capacity() != capacity) ++growths, capacity = buf.capacity();
  }
  EXPECT_LE(growths, 5u);
}

}  // namespace
}  // namespace keysweep
