#include "pv_builder.hpp"

#include <cerrno>
#include <cstring>

namespace hvmtool::xen {
namespace {

[[noreturn]] void step_failed(const std::string& step, int err) {
  throw Error("build_xen_pv: " + step + " failed" + (err ? std::string(": ") + std::strerror(err) : std::string()));
}

std::uint32_t port_from_store(Store& store, const std::string& path) {
  auto v = store.read(path);
  if (!v || v->empty())
    throw Error("build_xen_pv: " + path + " is missing: the xen platform writes it when it creates the domain");
  return static_cast<std::uint32_t>(std::stoul(*v));
}

std::uint32_t domid_from_store(Store& store, const std::string& path) {
  auto v = store.read(path);
  return v && !v->empty() ? static_cast<std::uint32_t>(std::stoul(*v)) : 0;
}

}  // namespace

PvImageResult build_pv(XenApi& api, const PvBuildInput& in) {
  errno = 0;
  xc_dom_image* dom = api.dom_allocate(in.cmdline, in.features);
  if (!dom) step_failed("xc_dom_allocate", errno);
  struct Release {
    XenApi& api;
    xc_dom_image* dom;
    ~Release() { api.dom_release(dom); }
  } release{api, dom};

  auto step = [&](const std::string& what, int rc) {
    if (rc != 0) step_failed(what, errno);
  };
  errno = 0;
  step("xc_dom_kernel_file " + in.kernel, api.dom_kernel_file(dom, in.kernel));
  if (!in.ramdisk.empty()) step("xc_dom_module_file " + in.ramdisk, api.dom_module_file(dom, in.ramdisk, ""));
  api.dom_setup(dom, in.setup);
  step("xc_dom_boot_xen_init", api.dom_boot_xen_init(dom, in.domid));
  step("xc_dom_parse_image", api.dom_parse_image(dom));
  step("xc_dom_mem_init " + std::to_string(in.memory_mb) + " MiB", api.dom_mem_init(dom, in.memory_mb));
  step("xc_dom_boot_mem_init", api.dom_boot_mem_init(dom));
  step("xc_dom_build_image", api.dom_build_image(dom));
  step("xc_dom_boot_image", api.dom_boot_image(dom));
  step("xc_dom_gnttab_init", api.dom_gnttab_init(dom));
  return api.dom_result(dom);
}

void BuildXenPvStage::async_run(StageContext& ctx, Completion done) {
  if (ctx.platform.name() != "xen")
    throw Error("build_xen_pv: needs the xen platform (platform: xen); this pipeline's platform is '" +
                std::string(ctx.platform.name()) + "'");
  if (ctx.config.type != DomainType::pv)
    throw Error("build_xen_pv: builds PV domains (domain.type: pv), not " + std::string(to_string(ctx.config.type)));
  if (ctx.boot.kernel.empty()) throw Error("build_xen_pv: domain.kernel is required");
  Domain& domain = ctx.require_domain();

  const std::string dom = "/local/domain/" + std::to_string(domain.id());
  auto in = std::make_shared<PvBuildInput>();
  in->domid = domain.id();
  in->kernel = ctx.boot.kernel.string();
  in->ramdisk = ctx.boot.ramdisk.string();
  in->cmdline = ctx.boot.cmdline;
  in->features = features_;
  in->memory_mb = static_cast<unsigned>(ctx.config.memory >> 20);
  Store& store = ctx.platform.store();
  in->setup.xenstore_evtchn = port_from_store(store, dom + "/store/port");
  in->setup.console_evtchn = port_from_store(store, dom + "/console/port");
  in->setup.xenstore_domid = domid_from_store(store, "/tool/xenstored/domid");
  in->setup.console_domid = domid_from_store(store, "/tool/xenconsoled/domid");
  in->setup.max_vcpus = ctx.config.effective_maxvcpus();

  std::shared_ptr<XenApi> api = make_api_();
  api->open();
  auto out = std::make_shared<PvImageResult>();
  auto cancelled = ctx.cancelled;
  run_blocking(
      ctx, [api, in, out] { *out = build_pv(*api, *in); },
      [&ctx, in, out, cancelled, done = std::move(done)](std::exception_ptr error) {
        if (cancelled->load()) {
          done(error ? error : std::make_exception_ptr(CancelledError("build_xen_pv: cancelled")));
          return;
        }
        if (!error) {
          try {
            // A PV guest's rings are machine frames xc_dom chose; build_post
            // writes them and the ports into the store.
            BuildState& s = ctx.state;
            s.store = {out->store_mfn, in->setup.xenstore_evtchn};
            s.console = {out->console_mfn, in->setup.console_evtchn};
            s.entry_kind = EntryKind::xen_pv;
            ctx.log.info("build_xen_pv: " + in->kernel + " built by xc_dom_* (" + std::to_string(in->memory_mb) +
                         " MiB, store mfn " + std::to_string(out->store_mfn) + ", console mfn " +
                         std::to_string(out->console_mfn) + ")");
          } catch (...) {
            error = std::current_exception();
          }
        }
        done(error);
      });
}

}  // namespace hvmtool::xen
