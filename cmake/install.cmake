# `cmake --install` puts the headers, the component libraries and a package configuration under
# the prefix, so that another project can `find_package(svertka [COMPONENTS core dnnl ...])` and
# link svertka::core, svertka::dnnl, ... or svertka::svertka (every component installed).
# examples/ is built that way in `make test` (tests/install/).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SVERTKA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/svertka)
set(SVERTKA_COMPONENTS core dnnl formats data transfer)
set(svertka_core_targets svertka_core)
set(svertka_dnnl_targets svertka_dnnl svertka_dnnl_impl svertka_dnnl_registration)
set(svertka_formats_targets svertka_formats svertka_proto)
set(svertka_data_targets svertka_data)
set(svertka_transfer_targets svertka_transfer)
if(MPI_CXX_FOUND)
  list(APPEND SVERTKA_COMPONENTS mpi)
  set(svertka_mpi_targets svertka_mpi svertka_mpi_registration)
endif()

foreach(component ${SVERTKA_COMPONENTS})
  install(TARGETS ${svertka_${component}_targets} EXPORT svertka-${component}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT svertka-${component} NAMESPACE svertka:: DESTINATION ${SVERTKA_CMAKE_DIR}
          FILE svertka-${component}-targets.cmake)
endforeach()
install(DIRECTORY include/svertka DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

configure_package_config_file(cmake/svertkaConfig.cmake.in
  ${CMAKE_BINARY_DIR}/svertkaConfig.cmake INSTALL_DESTINATION ${SVERTKA_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/svertkaConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/svertkaConfig.cmake ${CMAKE_BINARY_DIR}/svertkaConfigVersion.cmake
        DESTINATION ${SVERTKA_CMAKE_DIR})
