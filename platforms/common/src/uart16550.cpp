#include "hvmtool_platforms/uart16550.hpp"

namespace hvmtool::platforms {

namespace {
// 16550 register offsets and bits.
constexpr unsigned kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;
constexpr std::uint8_t kLcrDlab = 0x80;
constexpr std::uint8_t kIerRdi = 0x01, kIerThri = 0x02;
constexpr std::uint8_t kIirNone = 0x01, kIirThri = 0x02, kIirRdi = 0x04, kIirFifo = 0xC0;
constexpr std::uint8_t kLsrDr = 0x01, kLsrThre = 0x20, kLsrTemt = 0x40;
constexpr std::uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08, kMcrLoop = 0x10;
constexpr std::uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
}  // namespace

std::uint8_t Uart16550::msr_locked() const {
  if (mcr_ & kMcrLoop) {
    std::uint8_t m = 0;
    if (mcr_ & kMcrRts) m |= kMsrCts;
    if (mcr_ & kMcrDtr) m |= kMsrDsr;
    if (mcr_ & kMcrOut1) m |= kMsrRi;
    if (mcr_ & kMcrOut2) m |= kMsrDcd;
    return m;
  }
  return kMsrDcd | kMsrDsr | kMsrCts;  // a terminal is always there
}

void Uart16550::update_irq_locked() {
  bool pending = ((ier_ & kIerRdi) && rbr_) || ((ier_ & kIerThri) && thre_pending_);
  bool level = pending && (mcr_ & kMcrOut2) && !(mcr_ & kMcrLoop);
  if (level != line_) {
    line_ = level;
    if (irq_) irq_(level);
  }
}

void Uart16550::write(unsigned offset, std::uint8_t v) {
  std::string_view sent;
  char byte = static_cast<char>(v);
  {
    std::lock_guard lk(mu_);
    switch (offset) {
      case kRbrThr:
        if (lcr_ & kLcrDlab) {
          dll_ = v;
          break;
        }
        if (mcr_ & kMcrLoop) {
          rbr_ = v;
        } else {
          sent = std::string_view(&byte, 1);
        }
        // Writing THR clears the THRE interrupt; the byte leaves at once, so
        // it is raised again: an edge on IRQ 4 per byte.
        thre_pending_ = false;
        update_irq_locked();
        thre_pending_ = true;
        break;
      case kIer:
        if (lcr_ & kLcrDlab) {
          dlm_ = v;
          break;
        }
        if ((v & kIerThri) && !(ier_ & kIerThri)) thre_pending_ = true;
        ier_ = v & 0x0F;
        break;
      case kIirFcr:
        fcr_ = v;
        if (v & 0x02) rbr_.reset();  // clear receive FIFO
        break;
      case kLcr:
        lcr_ = v;
        break;
      case kMcr:
        mcr_ = v & 0x1F;
        break;
      case kScr:
        scr_ = v;
        break;
      default:
        break;  // LSR/MSR writes are ignored
    }
    update_irq_locked();
  }
  if (!sent.empty() && out_) out_(sent);
}

std::uint8_t Uart16550::read(unsigned offset) {
  std::lock_guard lk(mu_);
  std::uint8_t v = 0xFF;
  switch (offset) {
    case kRbrThr:
      if (lcr_ & kLcrDlab) {
        v = dll_;
      } else {
        v = rbr_.value_or(0);
        rbr_.reset();
      }
      break;
    case kIer:
      v = (lcr_ & kLcrDlab) ? dlm_ : ier_;
      break;
    case kIirFcr: {
      std::uint8_t fifo = (fcr_ & 0x01) ? kIirFifo : 0;
      if ((ier_ & kIerRdi) && rbr_) {
        v = kIirRdi | fifo;
      } else if ((ier_ & kIerThri) && thre_pending_) {
        v = kIirThri | fifo;
        thre_pending_ = false;  // reading IIR acknowledges THRE
      } else {
        v = kIirNone | fifo;
      }
      break;
    }
    case kLcr:
      v = lcr_;
      break;
    case kMcr:
      v = mcr_;
      break;
    case kLsr:
      v = kLsrThre | kLsrTemt | (rbr_ ? kLsrDr : 0);
      break;
    case kMsr:
      v = msr_locked();
      break;
    case kScr:
      v = scr_;
      break;
    default:
      break;
  }
  update_irq_locked();
  return v;
}

}  // namespace hvmtool::platforms
