#include "uefi_image.hpp"

#include <cstring>

#include <hvmtool/error.hpp>

#include <hvmtool_common/image_file.hpp>

namespace hvmtool::firmware {
namespace {

// EFI_FIRMWARE_VOLUME_HEADER (PI spec, volume 3): the fields we check.
constexpr std::size_t kFvLengthOff = 0x20;     // UINT64 FvLength
constexpr std::size_t kFvSignatureOff = 0x28;  // UINT32 "_FVH"
constexpr std::size_t kFvHeaderLenOff = 0x30;  // UINT16 HeaderLength
constexpr std::size_t kFvRevisionOff = 0x37;   // UINT8 Revision (2)
constexpr std::size_t kFvMinHeader = 0x48;     // fixed part + one block map entry + terminator
constexpr std::uint64_t kFlashGranule = 0x1000;

template <typename T>
T read_le(std::span<const std::byte> b, std::size_t off) {
  T v{};
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

}  // namespace

bool looks_like_uefi_image(std::span<const std::byte> head) {
  return head.size() >= kFvSignatureOff + 4 && std::memcmp(head.data() + kFvSignatureOff, "_FVH", 4) == 0;
}

void check_uefi_image(std::span<const std::byte> bytes, const std::string& file) {
  const std::uint64_t size = bytes.size();
  if (size < kUefiImageMin)
    common::image_fail(
        file, size,
        "a UEFI flash image is at least " + common::hex(kUefiImageMin) + " bytes, this one is " + common::hex(size));
  if (size > kUefiImageMax)
    common::image_fail(file, kUefiImageMax,
                       "UEFI flash image is " + common::hex(size) + " bytes, more than the " +
                           common::hex(kUefiImageMax) + " that fit below the special pages at 4 GiB - 16 MiB");
  if (size % kFlashGranule)
    common::image_fail(file, size, "UEFI flash image size " + common::hex(size) + " is not a multiple of 4 KiB");
  if (!looks_like_uefi_image(bytes))
    common::image_fail(file, kFvSignatureOff, "no firmware volume signature \"_FVH\": not a UEFI flash image");
  const auto header_len = read_le<std::uint16_t>(bytes, kFvHeaderLenOff);
  if (header_len < kFvMinHeader || header_len % 2 || header_len > size)
    common::image_fail(file, kFvHeaderLenOff,
                       "firmware volume header length " + common::hex(header_len) + " is not valid");
  const auto fv_len = read_le<std::uint64_t>(bytes, kFvLengthOff);
  if (fv_len < header_len || fv_len > size)
    common::image_fail(
        file, kFvLengthOff,
        "firmware volume length " + common::hex(fv_len) + " is outside [header, file size " + common::hex(size) + "]");
  if (const auto rev = std::to_integer<unsigned>(bytes[kFvRevisionOff]); rev != 2)
    common::image_fail(file, kFvRevisionOff, "firmware volume revision " + std::to_string(rev) + ", expected 2");
  std::uint16_t sum = 0;
  for (std::size_t off = 0; off < header_len; off += 2)
    sum = static_cast<std::uint16_t>(sum + read_le<std::uint16_t>(bytes, off));
  if (sum != 0)
    common::image_fail(
        file, 0, "firmware volume header checksum fails: its 16-bit words sum to " + common::hex(sum) + ", not 0");
}

}  // namespace hvmtool::firmware
